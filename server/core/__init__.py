"""The sync core: enrollment, authentication, push, pull, held review and the
dispatch of each operation. No web framework here."""
