from platforms.unavailable import UnavailableAdapter


class InstagramAdapter(UnavailableAdapter):
    platform = "instagram"
    title = "Instagram"
    unavailable_reason = "Collection of Instagram audiences is planned."
