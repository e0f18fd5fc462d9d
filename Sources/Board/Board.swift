// Board: the domain.
