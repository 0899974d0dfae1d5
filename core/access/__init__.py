"""Access control: who may do what to which records, and which fields they may see.

Three layers, all driven by registrations so every plugin's entities are covered the
moment they are registered:

* **permissions** per entity and action (read, create, update, delete, export, erase),
  granted to roles; roles are settings (an edition defines its own);
* **record-level policies** (own, team, department, unowned, all, and any a plugin or
  edition registers), OR-ed per role and applied in the query layer;
* **field-level protection** of sensitive fields, masked for roles that may not see them.

See docs/security.md.
"""

from guanxi.access.principal import SYSTEM, Principal, load_principal
from guanxi.access.registry import ACTIONS, Entity

__all__ = ["ACTIONS", "SYSTEM", "Entity", "Principal", "load_principal"]
