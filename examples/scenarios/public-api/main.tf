# Authentication "public" (the default): anyone may call the API.
terraform {
  required_providers {
    dispatch = {
      source = "dispatchframework/dispatch"
    }
  }
}

variable "kong_admin_url" {
  description = "Kong's Admin API."
  type        = string
  default     = "http://localhost:8001"
}

provider "dispatch" {
  kong_admin_url = var.kong_admin_url
  organization   = "shop"
}

resource "dispatch_api" "catalog" {
  name     = "catalog"
  function = "catalog-fn"
  methods  = ["GET"]
  # authentication = "public" is the default.
}

output "urls" {
  value = dispatch_api.catalog.urls
}
