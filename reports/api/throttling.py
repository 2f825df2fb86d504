"""Rate limits (README "API"): ``API_ANON_RATE`` per client address, ``API_USER_RATE`` per
user, counted in the default cache."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _RateFromSettings:
    scope: str

    def get_rate(self) -> str:
        # DRF's throttles copy the rates once, when first imported; read them on each request,
        # so a changed setting (a test's) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    pass


class UserThrottle(_RateFromSettings, UserRateThrottle):
    pass
