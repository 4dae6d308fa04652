# A certificate for api.example.com and www.example.com, with the CA that issued it, and its key:
# PEM files beside this configuration (never put a key in a .tf file). The files here are a test
# chain whose key is public, so that the example runs: bring your own for real hostnames.
resource "dispatch_certificate" "api" {
  certificate = file("${path.module}/api.example.com.chain.pem") # the leaf first, then its issuers
  private_key = file("${path.module}/api.example.com.key.pem")

  # Optional: the hostnames Kong serves it for. Default: the certificate's DNS names.
  hostnames = ["api.example.com", "www.example.com"]
  tags      = ["team:payments"]
}

# An API served over HTTPS only on a hostname of the certificate. depends_on makes Terraform
# apply the certificate first, so the API's HTTPS check finds it.
resource "dispatch_api" "payments" {
  name                       = "payments"
  function                   = "charge"
  hosts                      = ["api.example.com"]
  https                      = "required"
  https_redirect_status_code = 308
  depends_on                 = [dispatch_certificate.api]
}

# Renewing is replacing the two files: the Kong certificate is updated in place (same id), and
# the hostnames never go without a certificate. Plans warn 30 days before not_after.
output "certificate_expires" {
  value = dispatch_certificate.api.not_after
}
