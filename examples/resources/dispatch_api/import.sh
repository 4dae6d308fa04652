# An API is imported by its name (in the provider's organization) or by its id.
terraform import dispatch_api.orders orders
