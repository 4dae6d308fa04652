# Kong never returns a private key: after -generate-config-out, set `private_key` (with file() or
# a sensitive variable) before you apply.
# By one of the hostnames the certificate serves (the whole certificate is imported, with all
# its hostnames):
terraform import dispatch_certificate.api api.example.com

# Or by the Kong certificate's id:
terraform import dispatch_certificate.api 3f1e2d4c-5b6a-4789-8abc-def012345678

# A certificate tagged for another organization (`dispatch-org:<other>`) is never imported,
# updated or deleted; an unmanaged one can be imported.
