# Which provider `dispatch` is, and which releases of it this configuration accepts: any 0.1.x
# (a breaking change would be 0.2.0; see the README's versioning policy).
terraform {
  required_providers {
    dispatch = {
      source  = "dispatchframework/dispatch"
      version = "~> 0.1.0"
    }
  }
}
