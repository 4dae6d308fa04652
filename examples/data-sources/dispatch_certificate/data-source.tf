# The certificate Kong serves for a hostname: the one with exactly this SNI, else a wildcard
# SNI that covers it (*.example.com), whether or not this provider manages it.
data "dispatch_certificate" "api" {
  hostname = "api.example.com"
}

# Or by the Kong certificate's id:
#   data "dispatch_certificate" "api" { id = "3f1e2d4c-5b6a-4789-8abc-def012345678" }

output "api_certificate" {
  value = {
    id          = data.dispatch_certificate.api.id
    subject     = data.dispatch_certificate.api.subject
    issuer      = data.dispatch_certificate.api.issuer
    hostnames   = data.dispatch_certificate.api.hostnames
    not_after   = data.dispatch_certificate.api.not_after
    fingerprint = data.dispatch_certificate.api.fingerprint_sha256
  }
}
