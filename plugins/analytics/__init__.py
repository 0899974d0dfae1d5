"""guanxi_analytics: customer analytics (分析能力) as a guanxi plugin.

Customer value (revenue, cost-to-serve, margin, value tiers, ABC, quadrants, the
four-quadrant member model, RFM), lifetime value (BG/NBD and Gamma-Gamma), churn and
retention (cohorts, threshold and drop alerts, churn risk), customer delivered value
(顾客让渡价值), satisfaction and loyalty, sales-cycle, campaign and service KPIs, the
balanced scorecard and 7P views, and self-contained HTML reports.

The plugin reads the core customer record, rollups and interaction log only: it works
whether or not sales, marketing or service are enabled, and uses what they logged when
they are. Like the service plugin it is built from *areas* (see
:mod:`guanxi_analytics.areas`).
"""

__version__ = "0.1.0"
