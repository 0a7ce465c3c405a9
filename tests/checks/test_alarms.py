"""What counts as a filter pattern covering a CIS control: every prescribed term, whole event names."""

from __future__ import annotations

from ringfence.checks.alarms import covers

ROUTES = (
    "{ ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
    "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
    "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) || ($.eventName = %s) }"
)


def test_an_event_name_is_matched_whole() -> None:
    # CreateRouteTable is not CreateRoute: without CreateRoute itself the pattern misses new routes
    assert not covers(ROUTES % "CreateRouteTableX", "4.13")
    assert covers(ROUTES % "CreateRoute", "4.13")
    assert covers(ROUTES.replace("= ", '= "').replace(")", '")') % "CreateRoute", "4.13")


def test_a_pattern_without_a_prescribed_term_does_not_cover() -> None:
    root = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }'
    assert covers(root, "4.3")
    assert not covers('{ $.userIdentity.type = "Root" }', "4.3")
    assert not covers(root, "4.2")
