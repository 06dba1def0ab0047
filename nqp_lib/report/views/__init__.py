"""The tables and charts each section shows, one module per section plus :mod:`.common`.

A view takes the :class:`~nqp_lib.report.context.Report` and returns a frame, an Altair chart, or a
string — a note saying why the view does not apply (a tile map of a panel that is not the 31 provinces).
Views compute no statistic themselves: numbers come from the data layer, the measurement engine and the
disparity layer; views choose the rows, label them in the report's language and give every chart its
:class:`~nqp_lib.charts.ChartText` (title, source from the panel's provenance, unit, note).

A section's notebook imports its own module (``from nqp_lib.report.views import overview``) and
``common``; a new section adds its module here.
"""
