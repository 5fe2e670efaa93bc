"""The gRPC transport: the server and everything only it uses.

Auth, quotas, admission, the request's deadline scope, status mapping, metrics, proto
conversion, logs and the server's config file.
"""
