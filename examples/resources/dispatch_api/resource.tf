# A public API in front of a function, on its own hostname, HTTPS only.
resource "dispatch_api" "orders" {
  name     = "orders"
  function = "orders-handler"
  hosts    = ["orders.example.com"]
  methods  = ["GET", "POST"]
  https    = "required"
  tags     = ["team:shop"]
}

# An API with gateway policies: browsers on example.com subdomains may call it, each client IP
# gets 10 requests a second and 300 a minute, the function has 5 seconds to answer, request
# bodies are limited to 64 KB, every request is logged to an HTTP collector, and Kong exports
# Prometheus metrics of its traffic (status codes, latencies, bandwidth).
resource "dispatch_api" "search" {
  name                  = "search"
  function              = "search"
  paths                 = ["/search", "/v2/search"]
  timeout_ms            = 5000
  request_size_limit_kb = 64

  cors {
    origins     = ["https://.*\\.example\\.com"]
    methods     = ["GET", "POST"]
    headers     = ["Content-Type", "Authorization"]
    credentials = true
    max_age     = 3600
  }

  rate_limit {
    per_second = 10
    per_minute = 300
    limit_by   = "ip"
  }

  logging {
    http_endpoint = "http://logs.internal:8080/kong"
  }

  monitoring {}
}

# An API declared before its function exists: it answers 503 "no function linked" until
# `function` is set.
resource "dispatch_api" "coming_soon" {
  name = "coming-soon"
}
