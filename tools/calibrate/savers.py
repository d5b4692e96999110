"""Memory savers on the fake-tensor harness (``measure.py --set savers``): torchtune's chunked cross-entropy and TRL's
activation offloading. Both are pure PyTorch, so the harness runs their own code on the fake tensors; only what has no
CPU counterpart is emulated, and each emulation below says what it does and where a CUDA run could differ.

**Chunked loss.** ``CEWithChunkedOutputLoss`` below is torchtune's, line for line, at commit bd2a0fc (2026-04-23,
torchtune/modules/loss/ce_chunked_output_loss.py; the DTensor branch and the deprecation decorator left out: neither
allocates). torchtune's last release on PyPI (0.6.1, 2025-04) still splits the labels with ``chunk`` rather than
``tensor_split``, and importing it needs torchao, hence the copy. Its inputs come the way torchtune's
``TransformerDecoder.chunked_output`` (torchtune/modules/transformer.py at bd2a0fc) makes them: the final norm's output
split with ``tensor_split(num_output_chunks, dim=1)``, the head applied to each piece. ``install_chunked_loss`` puts
that into a transformers ``*ForCausalLM.forward`` (the decoder, the chunked head, the loss, with transformers' own
label shift): the hidden states stay referenced while the loss runs, as in transformers' forward, and the Trainer
(``measure.run_case``) drops the outputs, the chunked logits with them, before ``backward``. Uncompiled: torchtune
recommends compiling ``compute_cross_entropy``, which fuses the upcast into the loss.

**Activation offloading.** TRL 1.16.0's ``get_act_offloading_ctx_manager`` (trl/models/activation_offloading.py,
torchtune's ``OffloadActivations`` with storage deduplication), entered around the forward, the loss and the backward
as ``SFTTrainer.training_step`` enters it. Its pack and unpack hooks run unchanged; what needs CUDA is emulated:

- *Device and host.* The fake tensors are CPU tensors, so the offloader is built with ``cpu`` as its accelerator
  (``torch.accelerator.current_accelerator`` answers ``cpu`` while it is constructed): the "GPU" is the fake CPU
  device. Its host buffers, ``torch.empty(_like)(..., pin_memory=True, device="cpu")``, are created on the ``meta``
  device instead (``HOST_DEVICE``; ``measure.StorageCounter`` does this in its dispatch), so that the counter can keep
  host bytes apart from device bytes, and so that the unpack's ``.to("cpu", non_blocking=True)`` makes a new device
  tensor, as ``.to("cuda")`` does, instead of returning its input.
- *Streams and events* (``OffloadStreams``) do nothing and every copy is complete at once. The offloader's memory is
  decided by Python references (``fwd_stash``, ``bwd_tensor_stash``, ``tracker``), which run unchanged; stream
  timing decides only when those are dropped, and the code drops them at fixed points (the 5-tensor stash, the next
  autograd node), waiting on events there.
- *``record_stream``* is a no-op. On CUDA it keeps a freed block from reuse until the compute stream has used it,
  which delays the block's reuse, not the drop in ``max_memory_allocated`` (``CUDACachingAllocator::free`` decreases
  ``allocated_bytes`` before it looks at ``stream_uses``). Reserved memory could differ; allocated does not.
- *Storage pointers.* TRL keys its deduplication and its parameter filter on
  ``untyped_storage().data_ptr()``, which is 0 for every fake tensor: all storages would collide. While the
  offloader runs, ``UntypedStorage.data_ptr`` answers the storage's ``_cdata`` (the address of its ``StorageImpl``),
  unique among live storages as a device pointer is.
- *Pinned memory.* The host bytes are reported as they are and rounded up to a power of two, as PyTorch's
  ``CachingHostAllocator`` rounds every pinned block (``CachingHostAllocatorImpl::allocate``,
  aten/src/ATen/core/CachingHostAllocator.h).
"""
from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import nn

# Where the emulated host (pinned CPU) buffers live: meta tensors under the fake mode.
HOST_DEVICE = torch.device("meta")
TORCHTUNE_COMMIT = "bd2a0fc7c31430972728494fa01aaeeb0ebf1ba1"
IGNORE_INDEX = -100
# What a fixture line of the savers set says about how the saver ran (see the module doc).
NOTES = {
    "chunked": "torchtune CEWithChunkedOutputLoss (bd2a0fc, copied in tools/calibrate/savers.py) over "
               "[lm_head(c) for c in last_hidden_state.tensor_split(loss_chunks, dim=1)], in place of the "
               "*ForCausalLM forward's head and loss; labels shifted as transformers does; uncompiled",
    "offload": "TRL get_act_offloading_ctx_manager(model) (defaults: pinned memory, streams, 1 KiB minimum, stash of 5) "
               "around forward, loss and backward as SFTTrainer.training_step; emulated: accelerator 'cpu' (the fake "
               "device), pinned host buffers on 'meta' and counted apart (host_peak_*), streams/events/record_stream "
               "no-ops, UntypedStorage.data_ptr -> StorageImpl address",
}


# --------------------------------------------------------------------------------------------------------------
# torchtune's chunked cross-entropy (bd2a0fc, torchtune/modules/loss/ce_chunked_output_loss.py)
# --------------------------------------------------------------------------------------------------------------
class CEWithChunkedOutputLoss(nn.Module):
    """Cross-entropy with chunked outputs: upcasts one chunk at a time (torchtune bd2a0fc, verbatim but the DTensor
    branch)."""

    def __init__(self, num_output_chunks: int = 8, ignore_index: int = IGNORE_INDEX):
        super().__init__()
        self.num_output_chunks = num_output_chunks
        self.ignore_index = ignore_index

    def compute_cross_entropy(self, logits, labels, normalize=True):
        return F.cross_entropy(logits.float(), labels, ignore_index=self.ignore_index, reduction="sum")

    def forward(self, logits, labels):
        total_elements = (labels != self.ignore_index).sum()
        labels = [target_chunk.reshape(-1) for target_chunk in labels.tensor_split(self.num_output_chunks, dim=1)]
        logits = [logit_chunk.reshape(-1, logit_chunk.size(-1)) for logit_chunk in logits]
        total_loss = 0.0
        for logits_chunk, labels_chunk in zip(logits, labels):
            total_loss += self.compute_cross_entropy(logits_chunk, labels_chunk)
        return total_loss / total_elements


def install_chunked_loss(model, num_output_chunks):
    """Replace the ``*ForCausalLM`` forward with the decoder, torchtune's chunked head and its chunked loss.

    The head: ``[self.output(chunk) for chunk in last_hidden_state.tensor_split(num_output_chunks, dim=1)]``
    (``TransformerDecoder.chunked_output``). The labels: shifted as transformers' ``ForCausalLMLoss`` shifts them
    (``pad(labels, (0, 1), value=-100)[..., 1:]``); torchtune's datasets hand them over shifted already.
    """
    from transformers.modeling_outputs import CausalLMOutputWithPast

    lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    loss_fn = CEWithChunkedOutputLoss(num_output_chunks)

    def forward(input_ids=None, labels=None, attention_mask=None, inputs_embeds=None, **kwargs):
        kwargs = {k: v for k, v in kwargs.items() if v is not None and k not in ("output_attentions",
                                                                                 "output_hidden_states",
                                                                                 "return_dict")}
        outputs = lm.model(input_ids=input_ids, attention_mask=attention_mask, inputs_embeds=inputs_embeds, **kwargs)
        hidden_states = outputs.last_hidden_state
        logits = [lm.lm_head(chunk) for chunk in hidden_states.tensor_split(num_output_chunks, dim=1)]
        loss = None
        if labels is not None:
            shift_labels = F.pad(labels, (0, 1), value=IGNORE_INDEX)[..., 1:].contiguous()
            loss = loss_fn(logits, shift_labels)
        return CausalLMOutputWithPast(loss=loss, logits=logits)

    lm.forward = forward
    return lm


# --------------------------------------------------------------------------------------------------------------
# TRL's activation offloading on the fake device
# --------------------------------------------------------------------------------------------------------------
class _Event:
    def synchronize(self):
        pass

    def query(self):
        return True


class _Stream:
    def record_event(self, event=None):
        return event or _Event()

    def wait_event(self, event):
        pass

    def wait_stream(self, stream):
        pass

    def synchronize(self):
        pass


class OffloadStreams:
    """The device module the offloader gets (``torch.get_device_module(accelerator)``): streams and events that do
    nothing, every copy complete when issued."""

    def __init__(self):
        self._current = _Stream()

    def Stream(self):  # noqa: N802 (torch.cuda.Stream)
        return _Stream()

    def current_stream(self):
        return self._current

    @contextlib.contextmanager
    def stream(self, s):
        yield

    def synchronize(self):
        pass

    def empty_cache(self):
        pass


def _fake_data_ptr(self):
    return self._cdata


@contextlib.contextmanager
def storage_pointers():
    """``UntypedStorage.data_ptr`` answers the StorageImpl's address while the offloader runs (see the module doc)."""
    orig = torch.UntypedStorage.data_ptr
    orig_record = torch.Tensor.record_stream
    torch.UntypedStorage.data_ptr = _fake_data_ptr
    torch.Tensor.record_stream = lambda self, stream: None
    try:
        yield
    finally:
        torch.UntypedStorage.data_ptr = orig
        torch.Tensor.record_stream = orig_record


def offload_context(model):
    """TRL 1.16.0's ``get_act_offloading_ctx_manager(model)`` with its defaults (pinned memory, streams, 1 KiB
    minimum, 5-tensor stash), built for the fake device. Returns a context manager for one training step."""
    from trl.models import activation_offloading as ao

    streams = OffloadStreams()
    orig_acc, orig_mod = torch.accelerator.current_accelerator, torch.get_device_module
    torch.accelerator.current_accelerator = lambda *a, **k: torch.device("cpu")
    torch.get_device_module = lambda device=None: streams if str(device) == "cpu" else orig_mod(device)
    try:
        with storage_pointers():
            ctx = ao.get_act_offloading_ctx_manager(model)
    finally:
        torch.accelerator.current_accelerator, torch.get_device_module = orig_acc, orig_mod
    assert ctx.accelerator_type == "cpu" and ctx.device_module is streams

    @contextlib.contextmanager
    def step():
        with storage_pointers(), ctx:
            yield ctx

    return step
