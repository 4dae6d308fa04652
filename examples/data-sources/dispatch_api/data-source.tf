# The API is created here so that the example runs on its own; the data source is meant for
# APIs managed elsewhere (another Terraform configuration, another team).
resource "dispatch_api" "orders" {
  name     = "orders"
  function = "orders-handler"
  methods  = ["GET", "POST"]
}

data "dispatch_api" "orders" {
  name = dispatch_api.orders.name
}

output "orders_urls" {
  description = "Where the orders API answers."
  value       = data.dispatch_api.orders.urls
}
