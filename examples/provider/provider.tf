terraform {
  required_providers {
    dispatch = {
      source  = "dispatchframework/dispatch"
      version = "~> 0.1.0"
    }
  }
}

variable "kong_admin_url" {
  description = "Kong's Admin API. Null falls back to the KONG_ADMIN_URL environment variable, then http://localhost:8001."
  type        = string
  default     = null
}

provider "dispatch" {
  kong_admin_url = var.kong_admin_url
  # kong_admin_token comes from KONG_ADMIN_TOKEN (Kong Enterprise RBAC): keep it out of files.

  # Every Kong name becomes "shop.<name>", and APIs without hosts are served under /shop.
  organization = "shop"

  # How a function name becomes the URL Kong forwards requests to (this is the default).
  function_upstream_url = "http://dispatch-function-manager/v1/functions/{function}/runs"

  # The public address of the Kong proxy, for the `urls` of APIs without hosts.
  gateway_url = "https://gateway.example.com"

  request_timeout_ms = 10000
  max_retries        = 3
}
