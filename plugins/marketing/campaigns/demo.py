"""placeholder"""


def generate_demo(uow, rng, customers):
    pass
