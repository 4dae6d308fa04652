# An end user of the APIs with `authentication = "basic"`. The password comes from a variable
# (or a secret store), never from the configuration's text.
variable "alice_password" {
  type      = string
  sensitive = true
}

resource "dispatch_basic_auth_user" "alice" {
  username = "alice"
  password = var.alice_password
  groups   = ["staff", "admins"]
}

# Only users in the group "staff" may call this API.
resource "dispatch_api" "orders" {
  name           = "orders"
  function       = "orders-fn"
  authentication = "basic"

  basic_auth {
    allowed_groups = ["staff"]
  }
}
