"""guanxi_marketing: marketing automation (营销自动化) as a guanxi plugin.

Leads with explainable scores, segments in a small safe filter language, campaigns with
members, ROI and attribution, personalised messages over SMTP that respect consent,
events and telemarketing call lists, loyalty programmes, triggered campaigns run by the
core job runner, and a content-policy check for social posts. Every send, response and
opt-out is logged to the core interaction log (``marketing.*`` kinds).

The plugin is built from *areas* (``leads``, ``segments``, …): each area is a package
with the same small interface (see :mod:`guanxi_marketing.areas`), so the hooks in
:mod:`guanxi_marketing.plugin` only ask every area in turn.
"""

__version__ = "0.1.0"
