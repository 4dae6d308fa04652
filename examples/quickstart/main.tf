# The quickstart: a public API in front of a function, served over HTTP and HTTPS, and the same
# function served over HTTPS only on its own hostname, with that hostname's certificate.
terraform {
  required_providers {
    dispatch = {
      source  = "dispatchframework/dispatch"
      version = "~> 0.1.0"
    }
  }
}

variable "kong_admin_url" {
  description = "Kong's Admin API (scripts/quickstart.sh passes its sandbox's URL)."
  type        = string
  default     = "http://localhost:8001"
}

provider "dispatch" {
  kong_admin_url = var.kong_admin_url
  gateway_url    = "http://localhost:8000"
}

resource "dispatch_api" "hello" {
  name     = "hello"
  function = "hello-py"
  methods  = ["GET", "POST"]
}

# A self-signed certificate for hello.example.com, valid 2025-2125, committed for this example
# only: its private key is public, so never use it for anything else. Bring your own
# certificate and key (from your CA, or Let's Encrypt) for a real hostname.
resource "dispatch_certificate" "hello" {
  certificate = file("${path.module}/hello.example.com.crt.pem")
  private_key = file("${path.module}/hello.example.com.key.pem")
}

# HTTPS only: plain HTTP is redirected (301) to https://hello.example.com/...
resource "dispatch_api" "hello_secure" {
  name                       = "hello-secure"
  function                   = "hello-py"
  hosts                      = ["hello.example.com"]
  paths                      = ["/"]
  https                      = "required"
  https_redirect_status_code = 301
  depends_on                 = [dispatch_certificate.hello]
}

output "urls" {
  description = "Every URL the quickstart's APIs answer on."
  value = {
    hello        = dispatch_api.hello.urls
    hello_secure = dispatch_api.hello_secure.urls
  }
}

output "certificate" {
  description = "What Kong serves for hello.example.com."
  value = {
    subject   = dispatch_certificate.hello.subject
    hostnames = dispatch_certificate.hello.hostnames
    not_after = dispatch_certificate.hello.not_after
  }
}
