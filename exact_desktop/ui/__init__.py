"""The application's windows, dialogs and menus."""
