# An API with every gateway policy: a single-page app on app.example.com calls the `checkout`
# function from the browser (CORS), each client IP is rate limited, slow upstreams time out,
# large bodies are refused, and every request is logged to an HTTP collector.
terraform {
  required_providers {
    dispatch = {
      source  = "dispatchframework/dispatch"
      version = "~> 0.1.0"
    }
  }
}

variable "kong_admin_url" {
  description = "Kong's Admin API. Null falls back to KONG_ADMIN_URL, then http://localhost:8001."
  type        = string
  default     = null
}

variable "log_collector_url" {
  description = "Where Kong sends a JSON log entry for every request."
  type        = string
  default     = "http://log-collector.internal:9880/kong"
}

provider "dispatch" {
  kong_admin_url = var.kong_admin_url
}

resource "dispatch_api" "checkout" {
  name     = "checkout"
  function = "checkout"
  hosts    = ["api.example.com"]
  paths    = ["/checkout"]
  methods  = ["POST", "OPTIONS"]
  https    = "required"

  # The function gets 3 seconds to answer; request bodies above 16 KB get 413.
  timeout_ms            = 3000
  request_size_limit_kb = 16

  cors {
    origins         = ["https://app.example.com"]
    methods         = ["POST"]
    headers         = ["Content-Type", "X-Request-Id"]
    exposed_headers = ["X-Request-Id"]
    credentials     = true
    max_age         = 600
  }

  # 5 requests a second and 100 a minute per client IP; more get 429.
  rate_limit {
    per_second = 5
    per_minute = 100
    limit_by   = "ip"
  }

  logging {
    http_endpoint = var.log_collector_url
  }
}

output "urls" {
  description = "Where the API answers."
  value       = dispatch_api.checkout.urls
}
