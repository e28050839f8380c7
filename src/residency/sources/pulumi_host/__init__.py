"""Running a Pulumi program the way the Pulumi CLI does: the engine side, served over gRPC, and the program in a process of its own."""
