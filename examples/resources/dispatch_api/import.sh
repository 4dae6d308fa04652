# An API is imported by its name (in the provider's organization) or by its id. The plugins of
# the kinds dispatch_api declares on its service or route come with it, whoever made them; what it
# cannot express (other routes, other plugins) is named in a warning and left alone (see the guide
# "Adopting APIs already in Kong"). A service that no provider manages can be imported (the next
# apply tags it as this organization's); one tagged for another organization
# (`dispatch-org:<other>`) is refused, and so are updates and deletes of it.
terraform import dispatch_api.orders orders
