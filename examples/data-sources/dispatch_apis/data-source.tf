# The APIs are created here so that the example runs on its own.
resource "dispatch_api" "orders" {
  name     = "orders"
  function = "orders-handler"
  tags     = ["team:shop"]
}

resource "dispatch_api" "search" {
  name     = "search"
  function = "search"
  tags     = ["team:shop"]
}

# Every API of the organization that the credentials can see.
data "dispatch_apis" "all" {
  depends_on = [dispatch_api.orders, dispatch_api.search]
}

# Only the shop team's APIs that invoke the orders-handler function.
data "dispatch_apis" "shop_orders" {
  function   = "orders-handler"
  tags       = ["team:shop"]
  depends_on = [dispatch_api.orders, dispatch_api.search]
}

output "api_names" {
  description = "The names of every API."
  value       = data.dispatch_apis.all.apis[*].name
}

output "orders_urls" {
  description = "Where the APIs in front of orders-handler answer."
  value       = flatten(data.dispatch_apis.shop_orders.apis[*].urls)
}
