from platforms.unavailable import UnavailableAdapter


class WhatsAppAdapter(UnavailableAdapter):
    platform = "whatsapp"
    title = "WhatsApp"
    unavailable_reason = "Collection of WhatsApp group audiences is planned."
