"""Automatic checks for the notebooks' exercises, with feedback in the student's language.

Introduced in notebooks/02_conv_autoencoder.ipynb ("build it yourself").
"""

from __future__ import annotations

import keras

from course_utils.language import say

# Layers that do the same job, whichever class a student picks for it.
SAME_JOB = {"Resizing": "upsample", "UpSampling2D": "upsample"}


def describe_layers(model: keras.Model) -> list[tuple[str, tuple, int]]:
    """(kind, output shape, parameter count) of every layer, nested models flattened.

    Parameters
    ----------
    model : keras.Model
        Any Keras model; nested models such as "encoder" are opened up.

    Returns
    -------
    list of (str, tuple, int)
        One row per layer, input layers left out, such as
        ``("Conv2D", (28, 28, 16), 160)``. The kind is the layer's class name,
        except that Resizing and UpSampling2D are both "upsample".
    """
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            rows.extend(describe_layers(layer))
            continue
        kind = SAME_JOB.get(type(layer).__name__, type(layer).__name__)
        rows.append((kind, tuple(layer.output.shape[1:]), layer.count_params()))
    return rows


def borrowed_layers(candidate: keras.Model, reference: keras.Model) -> list[str]:
    """The layers (or nested models) of ``candidate`` that are the reference's own.

    Parameters
    ----------
    candidate : keras.Model
        The student's model.
    reference : keras.Model
        The model to match.

    Returns
    -------
    list of str
        The names of the candidate's layers that are the reference's own objects, or that
        carry the names the course's builders give theirs ("conv1", "decoder", ...); empty
        when the student built every layer.
    """
    theirs = _all_layers(reference)
    names = {layer.name for layer in theirs}
    return [layer.name for layer in _all_layers(candidate)
            if any(layer is other for other in theirs) or layer.name in names]


def _all_layers(model: keras.Model) -> list:
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        found.append(layer)
        if isinstance(layer, keras.Model):
            found.extend(_all_layers(layer))
    return found


def check_architecture(candidate: keras.Model, reference: keras.Model, *, lang: str = "both") -> bool:
    """Compare ``candidate`` with ``reference`` layer by layer and print what differs.

    Layers match when they do the same job, give the same output shape and have
    the same number of parameters. Returns True when every layer matches.

    Parameters
    ----------
    candidate : keras.Model
        The student's model.
    reference : keras.Model
        The model to match, such as ``build_conv_autoencoder((16, 8, 8))``.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when both have the same layers; otherwise the first layer that
        differs is printed, the student's side only.
    """
    borrowed = borrowed_layers(candidate, reference)
    if borrowed:
        say((f"你的模型用了参考模型自己的层（{'、'.join(borrowed)}）：请自己搭建这些层。",
             f"Your model uses the reference's own layers ({', '.join(borrowed)}): build them yourself."), lang)
        return False
    yours, expected = describe_layers(candidate), describe_layers(reference)
    for number, (mine, theirs) in enumerate(zip(yours, expected), start=1):
        if mine != theirs:
            say((  # what the reference has there is for the student to work out
                f"第 {number} 层与参考模型不同：你的是 {_text(mine, 'zh')}。",
                f"Layer {number} differs from the reference: yours is {_text(mine, 'en')}.",
            ), lang)
            return False
    if len(yours) != len(expected):
        say((
            f"层数不同：你的模型有 {len(yours)} 层，参考模型有 {len(expected)} 层。",
            f"Your model has {len(yours)} layers; the reference has {len(expected)}.",
        ), lang)
        return False
    total = reference.count_params()
    say((
        f"全部 {len(yours)} 层都与参考模型一致，共 {total:,} 个参数。",
        f"All {len(yours)} layers match the reference ({total:,} parameters).",
    ), lang)
    return True


def _text(layer: tuple[str, tuple, int], lang: str) -> str:
    kind, shape, params = layer
    if lang == "zh":
        kind = {"upsample": "上采样层"}.get(kind, kind)
        return f"{kind} → {'×'.join(map(str, shape))}，{params:,} 个参数"
    return f"{kind} → {'×'.join(map(str, shape))}, {params:,} parameters"


def check_value(answer, expected: float, *, tolerance: float = 0.0, lang: str = "both",
                hint: tuple[str, str] | None = None) -> bool:
    """Compare a numeric answer with the value the course computes itself.

    Parameters
    ----------
    answer : number or None
        The student's answer; None means "not answered yet".
    expected : float
        The correct value.
    tolerance : float
        The largest accepted difference from ``expected``; 0 asks for an exact match.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.
    hint : (str, str), optional
        A (Chinese, English) hint added to the feedback on a wrong answer.

    Returns
    -------
    bool
        True for a correct answer. Feedback is printed either way.

    Examples
    --------
    >>> check_value(0.5, 0.5, lang="en")
    Correct: 0.5.
    True
    """
    if answer is None:
        say(("还没有答案：把 None 换成你算出的数。", "No answer yet: replace None with your number."), lang)
        return False
    if abs(float(answer) - float(expected)) <= tolerance:
        say((f"正确：{expected:.4g}。", f"Correct: {expected:.4g}."), lang)
        return True
    message = (f"还不对：你的答案是 {float(answer):.4g}。", f"Not yet: your answer is {float(answer):.4g}.")
    if hint:
        message = (message[0] + hint[0], message[1] + " " + hint[1])
    say(message, lang)
    return False


def check_parameter_count(guess, filters, *, lang: str = "both") -> bool:
    """Check a predicted parameter count against the builder's model for ``filters``.

    Parameters
    ----------
    guess : int or None
        The student's count of weights and biases.
    filters : three ints
        The encoder's depths, such as (16, 8, 8).
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``guess`` equals ``model.count_params()`` exactly.

    Raises
    ------
    ValueError
        If ``filters`` is not three positive ints.
    """
    from course_utils.models import build_conv_autoencoder

    actual = build_conv_autoencoder(tuple(filters)).count_params()
    return check_value(guess, actual, lang=lang, hint=(
        "每个卷积层有 3×3×输入深度×输出深度 个权重，再加上每个输出通道一个偏置。",
        "Each convolution has 3×3×in×out weights plus one bias per output channel."))


def check_choice(answer, correct: set, *, lang: str = "both") -> bool:
    """Compare a chosen set (or single choice) with the correct one.

    Parameters
    ----------
    answer : set, list, tuple, single value or None
        The student's choice(s); None means "not answered yet".
    correct : set
        The right choices; all of them, and nothing else, must be chosen.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True for a correct answer; otherwise the feedback says how many
        choices are missing and how many are extra.

    Examples
    --------
    >>> check_choice({3, 4}, {4}, lang="en")
    Not yet: 0 missing, 1 that should not be there.
    False
    >>> check_choice(4, {4}, lang="en")
    Correct: 4.
    True
    """
    chosen = set(answer) if isinstance(answer, (set, list, tuple)) else {answer}
    if not chosen or chosen == {None}:
        say(("还没有答案：填入你的选择。", "No answer yet: fill in your choice."), lang)
        return False
    if chosen == set(correct):
        shown = [str(choice) for choice in sorted(chosen, key=str)]
        say((f"正确：{'、'.join(shown)}。", f"Correct: {', '.join(shown)}."), lang)
        return True
    missing, extra = set(correct) - chosen, chosen - set(correct)
    say((f"还不对：漏选了 {len(missing)} 个，多选了 {len(extra)} 个。",
         f"Not yet: {len(missing)} missing, {len(extra)} that should not be there."), lang)
    return False


def check_digit_count(answer, dataset, digit: int, *, lang: str = "both") -> bool:
    """Exercise (notebook 01): how many training images show ``digit``?

    Parameters
    ----------
    answer : int or None
        The student's count.
    dataset : Dataset
        From :func:`course_utils.load_dataset`; its ``y_train`` labels are counted.
    digit : int
        The digit, 0 to 9.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when the count is exact.
    """
    import numpy as np

    return check_value(answer, int(np.sum(dataset.y_train == digit)), lang=lang, hint=(
        "每张训练图像恰好有一个标签：要数的是标签，而不是上面画出来的图像。",
        "Every training image has exactly one label: count labels, not the images drawn above."))


def check_most_ink(answer, dataset, digits=range(10), *, lang: str = "both") -> bool:
    """Exercise (notebook 01): which of ``digits`` has training images of the highest mean pixel value?

    Parameters
    ----------
    answer : int or None
        The student's digit, 0 to 9.
    dataset : Dataset
        From :func:`course_utils.load_dataset`; its training images are used.
    digits : iterable of int
        The digits to compare (the notebook's ``ink_digits``): all ten by default.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``answer`` is that digit. A wrong answer's feedback gives the
        mean of the digit chosen, never the right digit.

    Raises
    ------
    ValueError
        If ``digits`` is empty or holds something other than the digits 0 to 9.
    """
    candidates = sorted({int(digit) for digit in digits})
    if not candidates or not set(candidates) <= set(range(10)):
        raise ValueError(f"digits must be some of the digits 0 to 9, got {list(digits)!r}.")
    means = {digit: float(dataset.x_train[dataset.y_train == digit].mean()) for digit in candidates}
    best = max(means, key=means.get)
    if answer is not None and answer not in means:
        listed = ", ".join(map(str, candidates))
        say((f"还不对：答案应该是这几个数字之一：{listed}。", f"Not yet: answer with one of the digits {listed}."), lang)
        return False
    if answer is not None and answer != best:
        say((f"还不对：数字 {answer} 的训练图像平均像素值是 {means[answer]:.4f}，还有别的数字平均值更高。"
             "“墨水多少”看的是一个数字所有图像的平均像素值，而不是这个数字有多少张图像。",
             f"Not yet: the training images of {answer} average {means[answer]:.4f}, and another "
             "digit's are brighter. Ink is the mean pixel value over a digit's images, not how many "
             "images it has."), lang)
        return False
    return check_choice(answer, {best}, lang=lang)


def check_noisy_psnr(answer, dataset, noise_factor: float, *, seed: int, lang: str = "both") -> bool:
    """Exercise (notebook 01): mean PSNR of the test images with seeded noise.

    Parameters
    ----------
    answer : float or None
        The student's mean PSNR, in dB.
    dataset : Dataset
        From :func:`course_utils.load_dataset`; its ``x_test`` images are used.
    noise_factor : float
        Standard deviation of the noise.
    seed : int
        Seed of the noise, as the student passed it to ``add_noise``.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``answer`` is within 0.0005 dB of the course's value: computed, not
        typed in (graded with another seed, the value moves by about 0.001 dB).

    Raises
    ------
    ValueError
        If ``noise_factor`` is negative.
    """
    from course_utils.metrics import psnr
    from course_utils.noise import add_noise

    expected = float(psnr(dataset.x_test, add_noise(dataset.x_test, noise_factor, seed=seed)).mean())
    return check_value(answer, expected, tolerance=0.0005, lang=lang, hint=(
        "PSNR 逐张比较带噪测试图像和它自己的原图（10·log10(1/MSE)），再对所有测试图像取平均；"
        "加噪时要用和上表相同的随机种子。",
        "PSNR compares each noisy test image with its own original, 10·log10(1/MSE), then "
        "averages over the test images; draw the noise with the same seed as the table."))


def check_clipped_background_mean(answer, dataset, noise_factor: float, *, seed: int,
                                  lang: str = "both") -> bool:
    """Exercise (notebook 03): the mean of black background pixels after noise and clipping.

    Parameters
    ----------
    answer : float or None
        The student's mean, in pixel values (0 to 1).
    dataset : Dataset
        From :func:`course_utils.load_dataset`; pixels that are 0 in its test images are used.
    noise_factor : float
        Standard deviation of the noise.
    seed : int
        Seed of the noise (the notebook's validation-noise seed).
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True within 0.002 of the measured mean, which also accepts the exact
        value ``noise_factor / sqrt(2π)``.

    Raises
    ------
    ValueError
        If ``noise_factor`` is negative.
    """
    from course_utils.noise import add_noise

    noisy = add_noise(dataset.x_test, noise_factor, seed=seed)
    expected = float(noisy[dataset.x_test == 0].mean())
    return check_value(answer, expected, tolerance=0.002, lang=lang, hint=(
        "裁剪把每个小于 0 的带噪像素值变成 0，大于 0 的却保留下来，所以背景像素的平均值不再是 0。",
        "Clipping turns every negative noisy value into 0 but keeps the positive ones, so a "
        "background pixel no longer averages 0."))


def check_unclipped_psnr(answer, dataset, noise_factor: float, *, seed: int,
                         lang: str = "both") -> bool:
    """Exercise (notebook 03): the noisy input's mean PSNR if the noise were not clipped.

    Parameters
    ----------
    answer : float or None
        The student's mean PSNR, in dB.
    dataset, noise_factor, seed, lang
        As in :func:`check_clipped_background_mean`; all the test images are used.

    Returns
    -------
    bool
        True within 0.05 dB of the measured mean, which also accepts the
        prediction ``10·log10(1 / noise_factor²)``.

    Raises
    ------
    ValueError
        If ``noise_factor`` is negative.
    """
    from course_utils.metrics import psnr
    from course_utils.noise import add_noise

    unclipped = add_noise(dataset.x_test, noise_factor, seed=seed, clip=False)
    expected = float(psnr(dataset.x_test, unclipped).mean())
    return check_value(answer, expected, tolerance=0.05, lang=lang, hint=(
        "不裁剪时，每个像素的误差就是噪声本身：均方误差约等于噪声标准差的平方。",
        "Without clipping, each pixel's error is the noise itself: the mean squared error is "
        "about the noise's standard deviation squared."))


def check_code_share(answer, filters, *, lang: str = "both") -> bool:
    """Exercise (notebook 02): the code's size as a share of the 784 input pixels.

    Parameters
    ----------
    answer : float or None
        The student's share, between 0 and 1 (not a percentage).
    filters : three ints
        The encoder's depths; (16, 8, 8) gives a 4×4×8 code, 128 / 784 ≈ 0.163.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``answer`` is within 0.005 of the exact share.

    Raises
    ------
    ValueError
        If ``filters`` is not three positive ints.
    """
    from course_utils.models import build_conv_autoencoder

    code_shape = build_conv_autoencoder(tuple(filters)).get_layer("encoder").output.shape[1:]
    expected = float(code_shape[0] * code_shape[1] * code_shape[2] / 784)
    return check_value(answer, expected, tolerance=0.005, lang=lang, hint=(
        "编码的形状是 4×4×最后一层的深度。", "The code's shape is 4×4×(the last depth)."))


def check_best_method(answer: str, sweep: dict[str, list[float]], factors, factor: float,
                      *, lang: str = "both") -> bool:
    """Exercise (notebook 03): which method has the highest PSNR at ``factor``?

    Parameters
    ----------
    answer : str or None
        The student's choice: a method name that is a key of ``sweep``.
    sweep : dict
        Method name → mean PSNR (dB) per factor, from
        :func:`course_utils.baselines.noise_sweep`.
    factors : sequence of float
        The factors the sweep used.
    factor : float
        The factor asked about; must be one of ``factors``.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``answer`` names the best method at ``factor``.

    Raises
    ------
    ValueError
        If ``factor`` is not in ``factors``.
    """
    column = list(factors).index(factor)
    best = max(sweep, key=lambda name: sweep[name][column])
    return check_choice(answer, {best}, lang=lang)


def check_even_overlap(answer, stride: int, kernels, *, lang: str = "both") -> bool:
    """Exercise (notebook 04): which kernel sizes cover every interior pixel equally often?

    The correct set is worked out here with :func:`course_utils.models.transposed_overlap`,
    out of sight, so the notebook does not give the answer away.

    Parameters
    ----------
    answer : set of int or None
        The kernel sizes the student chose.
    stride : int
        The stride of the transposed convolution, such as 2.
    kernels : iterable of int
        The kernel sizes to choose from.
    lang : {"zh", "en", "both"}
        Language of the printed feedback.

    Returns
    -------
    bool
        True when ``answer`` holds exactly the evenly covering kernel sizes.
    """
    from course_utils.models import transposed_overlap

    def even(kernel: int) -> bool:
        counts = transposed_overlap(kernel, stride, inputs=8)[kernel:-kernel]
        return len(set(counts.tolist())) == 1

    return check_choice(answer, {kernel for kernel in kernels if even(kernel)}, lang=lang)
