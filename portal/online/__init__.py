"""Online booking at /online/ and the portal's own reschedule: rules, screening,
selectors, services, tasks and views (namespace "online")."""
