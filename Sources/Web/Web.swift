// Web: routes and pages.
