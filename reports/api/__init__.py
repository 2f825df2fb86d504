"""The read-only JSON API at /api/v1/ (README "API"): Django REST Framework viewsets, an
OpenAPI schema and Swagger UI from drf-spectacular. Anonymous requests start from
``recommendations.publication``; a token or a session reads what its user reads in the app."""
