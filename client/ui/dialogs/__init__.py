"""Modal dialogs: each is a ``ModalScreen[T]`` that returns its value on dismiss."""
