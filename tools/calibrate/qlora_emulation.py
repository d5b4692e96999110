"""A byte-faithful stand-in for bitsandbytes 4-bit layers, for measuring QLoRA on fake tensors.

bitsandbytes needs its CUDA (or CPU) kernels and cannot run under FakeTensorMode, so this module rebuilds what
it allocates, with the same shapes, dtypes and lifetimes, and nothing else. Sources (bitsandbytes-foundation/
bitsandbytes, main branch as stored in the search index, 2026):

- bitsandbytes/nn/modules.py, ``Linear4bit.forward``::

      inp_dtype = x.dtype
      if self.compute_dtype is not None: x = x.to(self.compute_dtype)
      bias = None if self.bias is None else self.bias.to(self.compute_dtype)
      weight = self.weight.t()
      return bnb.matmul_4bit(x, weight, bias=bias, quant_state=self.weight.quant_state).to(inp_dtype)

- bitsandbytes/autograd/_functions.py, ``MatMul4Bit.forward``: ``output = F.linear(A, F.dequantize_4bit(B,
  quant_state).to(A.dtype).t(), bias)``; then ``ctx.tensors = (None, B)`` when an input needs grad: the input
  A is NOT kept (older releases kept ``(A, B)``; the weight B is the packed parameter, no new memory). Backward:
  ``grad_A = torch.matmul(grad_output, F.dequantize_4bit(B, ctx.state).to(grad_output.dtype).t())``.
  ``matmul_4bit`` takes this path for any input with more than one row or that requires grad.
- bitsandbytes/functional.py, ``quantize_4bit``: packed weight ``((n + 1) // 2, 1)`` uint8, ``absmax`` fp32 of
  ``ceil(n / 64)`` blocks, a 16-entry fp32 code; with ``compress_statistics`` (double quant) the absmax is
  ``quantize_blockwise``-d to uint8 with blocksize 256: uint8 ``qabsmax`` (one per block), fp32 nested absmax
  (one per 256 blocks), the 256-entry fp32 "dynamic" code (cached once per device in ``name2qmap``) and an fp32
  scalar offset. ``dequantize_4bit`` first dequantizes a double-quantized absmax into a temporary fp32 tensor
  (``dequantize_blockwise`` + ``offset``), then writes an ``empty(shape, dtype=quant_state.dtype)`` output.
- PEFT wraps ``bnb.nn.Linear4bit`` with ``peft.tuners.lora.bnb.Linear4bit`` (peft 0.21.2, lora/bnb.py,
  ``forward``): ``result = self.base_layer(x); result = result.clone()`` ("As per Tim Dettmers ... defensively
  clone"), then per adapter, with ``requires_conversion = not torch.is_autocast_enabled()`` (the CUDA autocast
  state): ``output = lora_B(lora_A(dropout(x))) * scaling``, cast to ``result.dtype`` only without autocast,
  ``result = result + output``.
- ``peft.prepare_model_for_kbit_training`` (peft/utils/other.py) is called for real: it freezes everything and
  casts every fp16/bf16 parameter that is not a Params4bit to fp32 (embeddings, norms, lm_head, biases).
- transformers only converts ``nn.Linear`` modules, never the output embedding (``get_keys_to_not_convert``).
  The compute dtype is bf16 (``bnb_4bit_compute_dtype=torch.bfloat16``), the quant storage uint8.
"""
from __future__ import annotations

import types

import torch
from torch import nn

BLOCK = 64  # bnb 4-bit blocksize
NESTED_BLOCK = 256  # quantize_blockwise blocksize for the absmax (double quant)
COMPUTE_DTYPE = torch.bfloat16  # bnb_4bit_compute_dtype
ORIG_DTYPE = torch.bfloat16  # quant_state.dtype: the dtype the weights were loaded in (torch_dtype=bf16)


def set_dtypes(compute, orig):
    """The T4 rows load in fp16 with bnb_4bit_compute_dtype=float16 (cases.t4_cases)."""
    global COMPUTE_DTYPE, ORIG_DTYPE
    COMPUTE_DTYPE, ORIG_DTYPE = compute, orig


class FakeLinear4bit(nn.Linear):
    """bnb.nn.Linear4bit: packed uint8 weight + quant-state tensors as buffers (so they are counted)."""

    def __init__(self, lin: nn.Linear, double_quant: bool, shared_code):
        nn.Module.__init__(self)
        self.in_features, self.out_features = lin.in_features, lin.out_features
        n = self.in_features * self.out_features
        self.n_blocks = -(-n // BLOCK)
        self.double_quant = double_quant
        with torch.device("meta"):
            self.weight = nn.Parameter(torch.empty(((n + 1) // 2, 1), dtype=torch.uint8), requires_grad=False)
            self.bias = None if lin.bias is None else nn.Parameter(lin.bias.detach().to(lin.bias.dtype),
                                                                   requires_grad=False)
            self.register_buffer("qs_code", torch.empty(16, dtype=torch.float32), persistent=False)
            if double_quant:
                self.register_buffer("qs_absmax", torch.empty(self.n_blocks, dtype=torch.uint8), persistent=False)
                self.register_buffer("qs_nested_absmax", torch.empty(-(-self.n_blocks // NESTED_BLOCK),
                                                                     dtype=torch.float32), persistent=False)
                self.register_buffer("qs_offset", torch.empty((), dtype=torch.float32), persistent=False)
                self.register_buffer("qs_nested_code", shared_code, persistent=False)
            else:
                self.register_buffer("qs_absmax", torch.empty(self.n_blocks, dtype=torch.float32), persistent=False)
        self.compute_dtype = COMPUTE_DTYPE
        self.orig_dtype = ORIG_DTYPE

    def dequantize(self):
        """F.dequantize_4bit: (temporary fp32 absmax if double-quantized) + bf16 (out, in) weight."""
        tmp = None
        if self.double_quant:
            tmp = torch.empty(self.n_blocks, dtype=torch.float32, device=self.weight.device)
        w = torch.empty((self.out_features, self.in_features), dtype=self.orig_dtype, device=self.weight.device)
        del tmp
        return w

    def forward(self, x):
        if self.bias is not None and self.bias.dtype != x.dtype:
            self.bias.data = self.bias.data.to(x.dtype)
        inp_dtype = x.dtype
        x = x.to(self.compute_dtype)
        bias = None if self.bias is None else self.bias.to(self.compute_dtype)
        return MatMul4BitEmu.apply(x, self.weight, bias, self).to(inp_dtype)


class MatMul4BitEmu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, A, B, bias, layer):
        W = layer.dequantize().to(A.dtype)
        out = torch.nn.functional.linear(A, W, bias)
        del W
        ctx.layer = layer  # ctx.tensors = (None, B): the packed weight only, no activation is kept
        ctx.bias_dtype = None if bias is None else bias.dtype
        return out

    @staticmethod
    def backward(ctx, grad_output):
        grad_A = grad_bias = None
        if ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0, dtype=ctx.bias_dtype)
        if ctx.needs_input_grad[0]:
            W = ctx.layer.dequantize().to(grad_output.dtype)
            grad_A = torch.matmul(grad_output, W)
        return grad_A, None, grad_bias, None


def quantize_linears_meta(model: nn.Module, double_quant: bool):
    """What from_pretrained(quantization_config=BitsAndBytesConfig(load_in_4bit=True, ...)) leaves: every
    nn.Linear except the output embedding replaced by a 4-bit layer. Marks the model as loaded in 4 bit."""
    out_emb = model.get_output_embeddings()
    with torch.device("meta"):
        shared_code = torch.empty(256, dtype=torch.float32)  # name2qmap["dynamic"], one per device
    for name, mod in list(model.named_modules()):
        for cname, child in list(mod.named_children()):
            if isinstance(child, nn.Linear) and child is not out_emb and not isinstance(child, FakeLinear4bit):
                setattr(mod, cname, FakeLinear4bit(child, double_quant, shared_code))
    model.is_loaded_in_4bit = True
    model.is_quantized = True


def prepare_model_for_kbit_training_meta(model):
    """Call PEFT's own prepare_model_for_kbit_training (checkpointing is enabled later, as Trainer does)."""
    from peft import prepare_model_for_kbit_training
    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)


def lora_bnb4bit_forward(self, x, *args, **kwargs):
    """peft.tuners.lora.bnb.Linear4bit.forward (peft 0.21.2), vanilla-LoRA branch.

    torch.is_autocast_enabled() there means CUDA autocast; the fake tensors run under CPU autocast, which
    stands for it here.
    """
    self._check_forward_args(x, *args, **kwargs)
    result = self.base_layer(x, *args, **kwargs)
    result = result.clone()
    for active_adapter in self.active_adapters:
        if active_adapter not in self.lora_A.keys():
            continue
        lora_A = self.lora_A[active_adapter]
        lora_B = self.lora_B[active_adapter]
        dropout = self.lora_dropout[active_adapter]
        scaling = self.scaling[active_adapter]
        requires_conversion = not torch.is_autocast_enabled("cpu")
        if requires_conversion:
            expected_dtype = result.dtype
            x = self._cast_input_dtype(x, lora_A.weight.dtype)
        output = lora_B(lora_A(dropout(x))) * scaling
        if requires_conversion:
            output = output.to(expected_dtype)
        result = result + output
    return result


def patch_lora_wrappers(model):
    """Give PEFT's generic lora.Linear around a FakeLinear4bit the forward of peft's lora.bnb.Linear4bit."""
    from peft.tuners.lora import LoraLayer
    n = 0
    for mod in model.modules():
        if isinstance(mod, LoraLayer) and isinstance(mod.get_base_layer(), FakeLinear4bit):
            mod.forward = types.MethodType(lora_bnb4bit_forward, mod)
            n += 1
    return n
