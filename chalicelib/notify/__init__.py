"""Notifications: from the outbox (history, alarms, digests) to SMS, Zalo ZNS and email."""
