STAFF = frozenset({"owner", "therapist", "other_therapist", "front_desk"})
# "client": a client signed in to the portal (not a Django user).
CLIENT = frozenset({"client"})
EVERYONE = frozenset({"anonymous", "no_role", "client", *STAFF})
OWNER = frozenset({"owner"})
OWNER_AND_FRONT_DESK = frozenset({"owner", "front_desk"})
# Dana's records: Dana and the owner; front desk where the rule allows it.
DANA_AND_OWNER = frozenset({"owner", "therapist"})
