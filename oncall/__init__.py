"""oncall: phone routing and paging for Nordic software vendors.

Layers (lowest first): rotas/ and ivr/ (the pure core); oncall.store, telephony, clock,
masking (adapters); oncall.services (shared by every entry point); oncall.web, oncall.cli
and workers/ (entry points). See README.md, Architecture.
"""
