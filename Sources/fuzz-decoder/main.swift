print("placeholder until the fuzz target lands")
