"""Bundled sample data (Icecat product data, Open Content License: attribution "Product data: Icecat")."""
