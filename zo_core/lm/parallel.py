"""Data parallel on one or more machines: the process group, the device of a rank, a rank's shard."""

from __future__ import annotations

import os

import torch


def local_device(local_rank: int, device_count: int) -> torch.device:
    """cuda:(local_rank mod device_count): two processes on one GPU share it instead of asking for cuda:1."""
    if device_count < 1:
        return torch.device("cpu")
    return torch.device("cuda", int(local_rank) % int(device_count))


def init_distributed() -> tuple[int, int, torch.device]:
    """Initialise the default process group from torchrun's variables: (rank, world_size, device)."""
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    if dist.get_backend() == "nccl":
        device = local_device(int(os.environ.get("LOCAL_RANK", rank)), torch.cuda.device_count())
        torch.cuda.set_device(device)
        return rank, world, device
    return rank, world, torch.device("cpu")


def shard(batch, rank: int, world: int):
    """Rows rank, rank + world, ... of every tensor in a batch (dict, tuple or tensor)."""
    if isinstance(batch, dict):
        return {k: shard(v, rank, world) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(shard(v, rank, world) for v in batch)
    return batch[rank::world]
