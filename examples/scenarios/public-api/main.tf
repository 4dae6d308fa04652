# A public API: anyone may call the `hello` function over HTTP and HTTPS, with GET or POST,
# under /shop/hello on the gateway (the organization prefixes paths of APIs without hosts).
terraform {
  required_providers {
    dispatch = {
      source  = "dispatchframework/dispatch"
      version = "~> 0.1.0"
    }
  }
}

variable "kong_admin_url" {
  description = "Kong's Admin API. Null falls back to KONG_ADMIN_URL, then http://localhost:8001."
  type        = string
  default     = null
}

provider "dispatch" {
  kong_admin_url = var.kong_admin_url
  organization   = "shop"
  gateway_url    = "http://localhost:8000"
}

resource "dispatch_api" "hello" {
  name     = "hello"
  function = "hello"
  methods  = ["GET", "POST"]
}

output "urls" {
  description = "Where the API answers."
  value       = dispatch_api.hello.urls
}
