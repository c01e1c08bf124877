"""Languages: the locale registry, locale negotiation and the language switcher."""
