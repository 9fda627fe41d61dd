"""The Taimer side: typed models, the adapter interface (``TaimerAdapter``) and its REST implementation."""
