"""guanxi_service: customer service and support (客户服务) as a guanxi plugin.

Tickets from every channel with their full history, SLA policies on business hours and
holiday calendars with warnings and escalation, assets with warranties (整车档案, 保修),
repair orders with promised completion and the parts they use, spare-parts stock per
location, return visits and care plans (回访), satisfaction surveys (CSAT, NPS) that turn
a poor answer into a complaint, and a knowledge base. Every change to a customer's case
is logged to the core interaction log (``service.*`` kinds).

The plugin is built from *areas* (``tickets``, ``sla``, …): each area is a package with
the same small interface (see :mod:`guanxi_service.areas`), so the hooks in
:mod:`guanxi_service.plugin` only ask every area in turn.
"""

__version__ = "0.1.0"
