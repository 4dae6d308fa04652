# An API is imported by its name (in the provider's organization) or by its id. A service that
# no provider manages can be imported (the next apply tags it as this organization's); one
# tagged for another organization (`dispatch-org:<other>`) is refused, and so are updates and
# deletes of it.
terraform import dispatch_api.orders orders
