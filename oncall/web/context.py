"""The web app's services, as built by the composition root for this app."""

from flask import current_app

from oncall.services.root import Services


def services() -> Services:
    return current_app.extensions["oncall"]
