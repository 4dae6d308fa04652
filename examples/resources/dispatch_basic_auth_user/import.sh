# Users are imported by username (the one end users type; without the organization prefix).
# Kong cannot reveal the password it holds, so the first apply after an import writes the
# configured one. A consumer tagged for another organization (`dispatch-org:<other>`) is never
# imported, updated or deleted.
terraform import dispatch_basic_auth_user.alice alice
