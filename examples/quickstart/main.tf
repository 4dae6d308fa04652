# The quickstart: one public API in front of a function, served over HTTP and HTTPS.
terraform {
  required_providers {
    dispatch = {
      source = "dispatchframework/dispatch"
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

output "urls" {
  description = "Every URL the quickstart's APIs answer on."
  value       = { hello = dispatch_api.hello.urls }
}
