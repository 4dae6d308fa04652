# Authentication "oidc": callers send "Authorization: Bearer <token>", a JWT signed by the
# OpenID Connect provider. On Kong Enterprise the openid-connect plugin checks it; on open-source
# Kong the provider fetches the issuer's signing keys and Kong's jwt plugin checks signature and
# expiry (not the audience: the plan warns about it). When the issuer rotates its keys,
# `terraform plan` shows the change in `oidc[0].signing_key_ids` and `apply` updates Kong.
terraform {
  required_providers {
    dispatch = {
      source  = "dispatchframework/dispatch"
      version = "~> 0.1.0"
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

variable "issuer" {
  description = "The OpenID Connect issuer (the `iss` of its tokens)."
  type        = string
  default     = "https://login.example.com/realms/shop"
}

resource "dispatch_api" "reports" {
  name           = "reports"
  function       = "reports-fn"
  authentication = "oidc"

  oidc {
    issuer    = var.issuer
    audiences = ["reports"]
  }
}

output "mechanism" {
  description = "jwt (open source) or openid-connect (Enterprise)."
  value       = dispatch_api.reports.oidc[0].mechanism
}

output "signing_key_ids" {
  description = "The issuer's key ids Kong holds (open source)."
  value       = dispatch_api.reports.oidc[0].signing_key_ids
}
