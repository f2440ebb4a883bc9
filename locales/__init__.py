"""Gettext catalogs: `<locale>/LC_MESSAGES/messages.po`, compiled in memory at start-up."""
