"""Sync between a device's local store and the central database (DESIGN.md 7).

- `messages`: the protocol (Pydantic), `codec`: rows as JSON and content hashes;
- `device_side` / `central_side`: each side's half, one transaction per message;
- `changes`: central's change log (`record_change`) that pulls follow;
- `transport`: the `Transport` interface and the direct database transport.
The use case that runs a sync is `services/sync.py`.
"""
