# Authentication "basic": end users send a username and password (HTTP Basic); only members of
# the allowed groups are served. In the organization "shop", Kong holds the groups as
# "shop.staff" and "shop.admins" on both the users and the API, so organizations sharing one
# Kong never share groups.
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

variable "passwords" {
  description = "Password of each user."
  type        = map(string)
  sensitive   = true
  default = {
    alice = "change me, alice"
    bob   = "change me, bob"
  }
}

resource "dispatch_basic_auth_user" "alice" {
  username = "alice"
  password = var.passwords["alice"]
  groups   = ["staff", "admins"]
}

resource "dispatch_basic_auth_user" "bob" {
  username = "bob"
  password = var.passwords["bob"]
  groups   = ["customers"]
}

# Staff only: bob gets 403, anyone without credentials 401.
resource "dispatch_api" "orders" {
  name           = "orders"
  function       = "orders-fn"
  authentication = "basic"

  basic_auth {
    allowed_groups = ["staff"]
  }
}

# Any user of the organization with valid credentials.
resource "dispatch_api" "profile" {
  name           = "profile"
  function       = "profile-fn"
  authentication = "basic"
}
