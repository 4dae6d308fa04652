# The certificate is declared here so that the example runs on its own (its files, beside this
# configuration, are a test chain whose key is public: never use them for anything else). The
# data source is meant for certificates managed elsewhere: another configuration, another team.
resource "dispatch_certificate" "api" {
  certificate = file("${path.module}/api.example.com.chain.pem")
  private_key = file("${path.module}/api.example.com.key.pem")
}

# The certificate Kong serves for a hostname: the one with exactly this SNI, else a wildcard
# SNI that covers it (*.example.com), whether or not this provider manages it.
data "dispatch_certificate" "api" {
  hostname   = "api.example.com"
  depends_on = [dispatch_certificate.api]
}

# Or by the Kong certificate's id.
data "dispatch_certificate" "by_id" {
  id = dispatch_certificate.api.id
}

output "api_certificate" {
  value = {
    id          = data.dispatch_certificate.api.id
    subject     = data.dispatch_certificate.api.subject
    issuer      = data.dispatch_certificate.api.issuer
    hostnames   = data.dispatch_certificate.api.hostnames
    not_after   = data.dispatch_certificate.api.not_after
    fingerprint = data.dispatch_certificate.by_id.fingerprint_sha256
  }
}
