"""The post's names in their three spellings, converted in one place (bpdebug/engine/names.py)."""

import pytest

from bpdebug.engine import names


@pytest.mark.parametrize("post,key,identifier", [
    ("dW[2]", "dW2", "dW_2"), ("A[0]", "A0", "A_0"), ("db[10]", "db10", "db_10"),
    ("Z[1]", "Z1", "Z_1"), ("Y", "Y", "Y"), ("J", "J", "J"),
])
def test_each_spelling_converts_both_ways(post, key, identifier):
    assert names.key(post) == key
    assert names.from_key(key) == post
    assert names.identifier(post) == identifier


def test_the_scalars_of_the_update_have_identifiers():
    assert names.identifier("1/m") == "inv_m" and names.identifier("α") == "alpha"


def test_the_parameters_come_in_the_posts_order():
    assert names.parameters(2) == ["W[1]", "b[1]", "W[2]", "b[2]"]
    assert names.parameters(2, backward=True) == ["W[2]", "b[2]", "W[1]", "b[1]"]
    assert names.split("dA[3]") == ("dA", 3) and names.split("Y") == ("Y", None)


def test_the_gradients_of_a_layer_are_what_its_backward_step_computes():
    from bpdebug.engine import plan
    from bpdebug.engine.activations import ACTIVATIONS
    from bpdebug.engine.losses import LOSSES

    assert names.gradients(2) == ["dZ[2]", "dW[2]", "db[2]", "dA[1]"]
    step = plan.backward(1, 2, ACTIVATIONS["relu"], LOSSES["binary_cross_entropy"])
    assert [eq.target for eq in step.equations] == names.gradients(1)


def test_an_entry_is_written_in_the_posts_index_notation():
    assert names.subscripted("W[1]", (0, 1)) == "W[1]_{0,1}"
    assert names.subscripted("b[2]", ("j", "0")) == "b[2]_j"  # a bias is one column: b_j
    assert names.subscripted("J") == "J"
    assert names.letters("W[2]", 2) == names.letters("dW[1]", 2) == ("j", "k")
    assert names.letters("A[0]", 2) == names.letters("dA[1]", 2) == ("k", "i")
    assert names.letters("dA[2]", 2) == ("j", "i")  # from the loss, at the output
    assert names.letters("db[1]", 2) == ("j", "0") and names.letters("J", 2) == ()


def test_parameters_and_their_gradients():
    assert names.gradient("W[2]") == "dW[2]" and names.of_gradient("db[1]") == "b[1]"
    assert names.of_gradient("Z[1]") == "Z[1]"
    assert names.is_parameter("b[3]") and not names.is_parameter("dW[3]")
    assert names.is_parameter_gradient("dW[3]") and not names.is_parameter_gradient("dZ[3]")
    assert names.is_column("db[1]") and not names.is_column("dW[1]")
