"""EXACT's REST API from the client side: one session, named errors, pages, typed results."""
